"""The local backend: a real AWS endpoint on 127.0.0.1 that answers the workshop's calls offline.

Everything in this folder runs inside the backend process (``python -m helpers.local_backend``);
the rest of the kit reaches it only through HTTP and the control surface in ``helpers/kit/backend.py``
(start, stop, status, reset, env, stats), which uses the constants below.

The folder is split as moto splits a service: state, wire format and routing apart.

The process:   ``server.py`` (start, restore, serve), ``connection.py`` (HTTP keep-alive), ``app.py`` (the
               kit's own routes: health, stats, fault plan, reset; then the stack below).
A request, from the outside in:
  ``request.py``     its facts (signer, region, service, operation, body), parsed once;
  ``faults.py``      injected latency, throttling and dropped connections, before any state is touched;
  ``persistence.py`` after a successful write, the snapshots of the moto services it touched;
  ``front_door.py``  routing only: SageMaker requests are validated (``validation.py``) and go to the
                     kit's Model Registry, the kit's hosting, or moto (``moto_sagemaker.py``); the rest to moto.
Services the kit answers itself, each as state (``models.py``), operations, answers (``responses.py``)
and routing (``urls.py``):
  ``model_registry/`` groups, versions, approvals, tags, Search; a journal on disk; events after commit;
  ``hosting/``        endpoints that serve a registered XGBoost model, and the runtime's InvokeEndpoint.
Shared:        ``exceptions.py`` (the errors a rule raises), ``wire.py`` (JSON answers and errors),
               ``locks.py``, ``snapshots.py`` and ``s3_state.py`` (moto's state on disk), ``disk.py``
               (atomic writes), ``events.py`` (EventBridge delivery), ``s3_policy.py`` with ``policy.py``
               (bucket policies, the kit's IAM evaluator), ``conformance.py`` (responses checked against
               botocore's output shapes, in the tests).
moto answers S3, IAM, STS, EventBridge, SQS, CloudWatch Logs and SageMaker's models and endpoint configs.
Nothing here imports learner-facing modules; learner-facing modules never import moto.
"""

ACCOUNT = "123456789012"  # moto's default account; the backend poses as it
HEALTH_PATH = "/_workshop/health"
RESET_PATH = "/moto-api/reset"
KIT_NAME = "model-registry-workshop"
