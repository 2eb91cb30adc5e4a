; Names a Java slice refers to: invoked methods, constructed classes, supertypes and the
; types it declares variables of. Written for context_kit; @ref captures only.
(method_invocation name: (identifier) @ref)
(method_invocation object: (identifier) @ref)
(object_creation_expression type: (type_identifier) @ref)
(superclass (type_identifier) @ref)
(super_interfaces (type_list (type_identifier) @ref))
(formal_parameter type: (type_identifier) @ref)
(local_variable_declaration type: (type_identifier) @ref)
(field_declaration type: (type_identifier) @ref)
(marker_annotation name: (identifier) @ref)
