; Names a Rust slice refers to: called functions, methods and macros, paths and the types
; it mentions. Written for context_kit; @ref captures only.
(call_expression function: (identifier) @ref)
(call_expression function: (scoped_identifier name: (identifier) @ref))
(call_expression function: (field_expression field: (field_identifier) @ref))
(macro_invocation macro: (identifier) @ref)
(scoped_identifier path: (identifier) @ref)
(scoped_type_identifier name: (type_identifier) @ref)
(struct_expression name: (type_identifier) @ref)
(impl_item trait: (type_identifier) @ref)
(parameter type: (type_identifier) @ref)
(reference_type type: (type_identifier) @ref)
