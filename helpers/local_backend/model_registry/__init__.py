"""The kit's own Model Registry, split as moto splits a service.

- ``models.py``   state: every region's groups and packages, with their indexes (``STORE``);
- ``journal.py``  the append-only journal that makes the state durable;
- ``context.py``  a request's context (``Call``) and the name-or-ARN lookups;
- ``groups.py``, ``packages.py``, ``tags.py``, ``listing.py``, ``search.py`` (with ``query.py``, the
  expression language): the operations and their rules;
- ``documented.py`` the rules stated only in the API reference's sentences (tests/doc_constraints.py);
- ``responses.py`` running an operation: commit, then events;
- ``urls.py``     routing: which operations the registry answers.
"""
