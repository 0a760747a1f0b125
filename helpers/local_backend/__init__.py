"""The local backend: a real AWS endpoint on 127.0.0.1 that answers the workshop's calls offline.

Everything in this folder runs inside the backend process (``python -m helpers.local_backend``);
the rest of the kit reaches it only through HTTP and the control surface in ``helpers/backend.py``
(start, stop, status, reset, env, stats), which uses the constants below.

A request passes these layers, from the outside in:

1. ``server.py``   the kit's own routes (health, stats, fault plan, reset), then the stack below.
2. ``faults.py``   injected latency, throttling and dropped connections, before any state is touched.
3. ``moto_state.py`` after a successful write, saves the snapshot of each moto service it changed.
4. ``sagemaker_layer.py`` SageMaker's front door: validates every request against botocore's model
   (``validation.py``), answers the Model Registry from the kit's own registry, passes the rest to moto.
5. The kit's Model Registry: ``registry_ops.py`` (which operation is answered where),
   ``group_ops.py`` and ``package_ops.py`` (the operations and their rules), ``search_ops.py`` and
   ``search.py`` (Search), ``call.py`` (a request's context, name-or-ARN lookups), ``registry.py``
   (state and indexes), ``journal.py`` (append-only journal on disk), ``events.py`` (EventBridge
   events of registry changes).
6. moto: S3, IAM, STS, EventBridge, SQS, CloudWatch Logs, and SageMaker models and endpoints.
   ``s3_policy.py`` makes moto read bucket policies with ``policy.py``, the kit's IAM evaluator.

``disk.py`` writes files atomically. ``conformance.py`` checks responses against botocore's output shapes (used by the tests).
Nothing here imports learner-facing modules; learner-facing modules never import moto.
"""

HEALTH_PATH = "/_workshop/health"
RESET_PATH = "/moto-api/reset"
KIT_NAME = "model-registry-workshop"
