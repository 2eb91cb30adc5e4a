; Names a C slice refers to: called functions, accessed fields and the types it uses.
; Written for context_kit; @ref captures only.
(call_expression function: (identifier) @ref)
(call_expression function: (field_expression field: (field_identifier) @ref))
(type_identifier) @ref
(struct_specifier name: (type_identifier) @ref)
