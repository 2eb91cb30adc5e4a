; Names a Rust slice refers to: called functions, methods and macros, paths and every
; type it names (parameters, return types, fields, generic arguments, traits).
; Written for context_kit; @ref captures only.
(call_expression function: (identifier) @ref)
(call_expression function: (scoped_identifier name: (identifier) @ref))
(call_expression function: (field_expression field: (field_identifier) @ref))
(macro_invocation macro: (identifier) @ref)
(scoped_identifier path: (identifier) @ref)
(type_identifier) @ref
