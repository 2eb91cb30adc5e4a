; Names a Rust slice refers to: called functions, methods and macros, paths and every
; type it names (parameters, return types, fields, generic arguments, traits).
; Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression function: (identifier) @ref)
(call_expression function: (scoped_identifier name: (identifier) @ref))
(call_expression function: (field_expression field: (field_identifier) @ref))
(macro_invocation macro: (identifier) @ref)
(scoped_identifier path: (identifier) @ref)
(type_identifier) @ref

; Names a run of top-level lines defines (@def; only module runs take them): constants,
; statics, type aliases and macros.
(const_item name: (identifier) @def)
(static_item name: (identifier) @def)
(type_item name: (type_identifier) @def)
(macro_definition name: (identifier) @def)
