; Names a Java slice refers to: invoked methods, annotations and every type it names
; (supertypes, fields, parameters, return and thrown types, generic arguments, casts).
; Written for context_kit; @ref captures only.
(method_invocation name: (identifier) @ref)
(method_invocation object: (identifier) @ref)
(type_identifier) @ref
(marker_annotation name: (identifier) @ref)
(annotation name: (identifier) @ref)

; Names a class body declares (@member; only class spans take them, qualified by the class):
; fields, record components, interface constants and enum constants.
(field_declaration declarator: (variable_declarator name: (identifier) @member))
(constant_declaration declarator: (variable_declarator name: (identifier) @member))
(enum_constant name: (identifier) @member)
(record_declaration parameters: (formal_parameters (formal_parameter name: (identifier) @member)))
