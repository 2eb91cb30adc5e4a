; Names a C# slice refers to: invoked methods, member reads, constructed types, base types,
; attributes and the types it declares, returns and passes as generic arguments.
; Written for context_kit; @ref captures only.
(invocation_expression function: (identifier) @ref)
(invocation_expression function: (member_access_expression name: (identifier) @ref))
(member_access_expression expression: (identifier) @ref)
(object_creation_expression type: (identifier) @ref)
(base_list (identifier) @ref)
(parameter type: (identifier) @ref)
(variable_declaration type: (identifier) @ref)
(method_declaration returns: (identifier) @ref)
(property_declaration type: (identifier) @ref)
(generic_name (identifier) @ref)
(type_argument_list (identifier) @ref)
(type_parameter_constraint (type (identifier) @ref))
(attribute name: (identifier) @ref)

; Names a class body declares (@member; only class spans take them, qualified by the class):
; fields, events, properties, record parameters and enum members.
(field_declaration (variable_declaration (variable_declarator name: (identifier) @member)))
(event_field_declaration (variable_declaration (variable_declarator name: (identifier) @member)))
(property_declaration name: (identifier) @member)
(enum_member_declaration name: (identifier) @member)
(record_declaration (parameter_list (parameter name: (identifier) @member)))
