; Names a Go slice refers to: called functions and methods, package-qualified names and
; the types it mentions. Written for context_kit; @ref captures only.
(call_expression function: (identifier) @ref)
(call_expression function: (selector_expression field: (field_identifier) @ref))
(selector_expression operand: (identifier) @ref)
(qualified_type name: (type_identifier) @ref)
(parameter_declaration type: (type_identifier) @ref)
(pointer_type (type_identifier) @ref)
(composite_literal type: (type_identifier) @ref)
