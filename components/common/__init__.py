"""What several components share and none owns: the settings base every component's model
extends, the retrain loop's history (the data gate and the Pusher write it), durable file
writes, reading TFMA's results, and TFX's lazy import."""
