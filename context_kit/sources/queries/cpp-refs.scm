; Names a C++ slice refers to: called functions and methods, qualified names, base classes
; and the types it uses. Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression function: (identifier) @ref)
(call_expression function: (field_expression field: (field_identifier) @ref))
(call_expression function: (qualified_identifier name: (identifier) @ref))
(qualified_identifier scope: (namespace_identifier) @ref)
(base_class_clause (type_identifier) @ref)
(type_identifier) @ref

; Names a run of top-level lines defines (@def; only module runs take them): macros and
; type aliases.
(preproc_def name: (identifier) @def)
(preproc_function_def name: (identifier) @def)
(alias_declaration name: (type_identifier) @def)

; Names a class body declares (@member; only class spans take them, qualified by the class):
; struct and union fields (plain, pointer and array) and enum constants.
(field_declaration declarator: (field_identifier) @member)
(field_declaration declarator: (pointer_declarator declarator: (field_identifier) @member))
(field_declaration declarator: (array_declarator declarator: (field_identifier) @member))
(enumerator name: (identifier) @member)
