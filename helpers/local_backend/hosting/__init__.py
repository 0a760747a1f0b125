"""Hosting: endpoints that serve a registered model, and the runtime's InvokeEndpoint.

- ``models.py``    state: endpoints, their variants, the artifact copies and the loaded models;
- ``container.py`` the built-in XGBoost container: which images, loading an artifact, scoring a request;
- ``deploy.py``    bringing a configuration into service (Creating/Updating -> InService or Failed);
- ``responses.py`` the endpoint operations; ``runtime.py`` InvokeEndpoint's wire format;
- ``urls.py``      routing.
"""
