"""CSV in, tf.Examples out: TFX's CsvExampleGen with an Arrow reader."""
