"""Deterministic clinical rules from the NCCN ALL guideline, each quoting the text it applies.

One module per guideline page: `cns` (ALL-C), `response` and `mediastinal` (ALL-E), `mrd`
(ALL-F), `tki` (ALL-D and the Discussion). Every rule validates its input (raising
`ToolInputError`) and returns a frozen output with `status`, `rule` (verbatim guideline text),
`quotes` and `source`; whoever owns an index resolves the quotes to `chunk_ids`
(`provenance.py`). Each tool is one `RuleSpec` (`spec.py`), registered in `allguide.tools`.
"""
