; Names a C# slice refers to: invoked methods, member reads, constructed types, base types
; and declared types. Written for context_kit; @ref captures only.
(invocation_expression function: (identifier) @ref)
(invocation_expression function: (member_access_expression name: (identifier) @ref))
(member_access_expression expression: (identifier) @ref)
(object_creation_expression type: (identifier) @ref)
(base_list (identifier) @ref)
(parameter type: (identifier) @ref)
(variable_declaration type: (identifier) @ref)
