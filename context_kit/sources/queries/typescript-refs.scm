; Names a TypeScript slice refers to: calls, constructed classes, base classes and every type
; it names (annotations, generic arguments, implemented interfaces, casts).
; Written for context_kit; @ref captures only.
(call_expression function: (identifier) @ref)
(call_expression function: (member_expression property: (property_identifier) @ref))
(new_expression constructor: (identifier) @ref)
(extends_clause value: (identifier) @ref)
(type_identifier) @ref
(member_expression object: (identifier) @ref)
