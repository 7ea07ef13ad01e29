"""What runs the pipeline ``pipeline.definition`` builds: the local runner (with its lock, time
limit, up-to-date check, retention and progress lines), the KFP compiler, the compiled tasks'
entry point, and run-ir, which runs a compiled package without a cluster."""
