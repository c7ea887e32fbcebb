"""The `allguide` subcommands: one module each, with `add_parser(sub)` and `run(args) -> int`.

`allguide.cli` registers them (its `COMMANDS`) and turns their errors into exit codes; a
command module only parses its flags and prints. Heavy imports happen inside `run`, so that
`allguide --help` and a bad flag answer at once.
"""
