; Names a C slice refers to: called functions, accessed fields and the types it uses.
; Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression function: (identifier) @ref)
(call_expression function: (field_expression field: (field_identifier) @ref))
(type_identifier) @ref
(struct_specifier name: (type_identifier) @ref)

; Names a run of top-level lines defines (@def; only module runs take them): macros.
(preproc_def name: (identifier) @def)
(preproc_function_def name: (identifier) @def)
