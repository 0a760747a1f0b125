"""The model the workshop registers, standing in for the earlier sections of the ML pipeline.

datasets (the data-set versions in ``data/``), training (XGBoost on one version), metrics (hold-out
scores), model_quality (the model-quality JSON the registry shows), artifacts (``model.tar.gz``: build,
check, upload, read), serving (score CSV rows as the built-in container does), pipeline (prepare the
two models in S3 and register them, as a pipeline would).

Nothing is imported here: each module loads what it needs when it is used.
"""
