"""What a pipeline is: the validated config, the data it reads (pre-check, spans, staging),
where a run keeps its things, the Evaluator's gates, and ``create_pipeline``, the one
function every runner builds the pipeline with. Nothing here runs a pipeline."""
