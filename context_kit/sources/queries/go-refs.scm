; Names a Go slice refers to: called functions and methods, package-qualified names and
; every type it names (receivers, parameters, results, fields, literals, conversions).
; Written for context_kit; @ref captures only.
(call_expression function: (identifier) @ref)
(call_expression function: (selector_expression field: (field_identifier) @ref))
(selector_expression operand: (identifier) @ref)
(type_identifier) @ref
