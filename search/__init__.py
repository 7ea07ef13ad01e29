"""The AutoML search engine, independent of TFX: spaces, trials, strategies, the ask/tell study.

Three axes that combine freely: a search space (what can be tried), a strategy (what to try
next, from the history), and performance estimation (how cheaply a trial is judged). Nothing in
this package imports TensorFlow or TFX, so strategies are tested in milliseconds on synthetic
objectives.
"""
