"""The verifiable sampler: standard library only, so that a third party can run it alone.

Modules: ``sampling`` (Rivest consistent sampling, the one random primitive), ``population``
(fixed id lists and their hashes), ``targets`` (stratified target draw), ``teams`` (matching
targets to teams and selecting inspectors), ``record`` (the draw record, its JSON form and
its verification), ``errors``. The record's schema is documented in ``docs/draw-record.md``.
"""
