; Names a TypeScript slice refers to: calls, constructed classes, base classes and every type
; it names (annotations, generic arguments, implemented interfaces, casts).
; Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression function: (identifier) @ref)
(call_expression function: (member_expression property: (property_identifier) @ref))
(new_expression constructor: (identifier) @ref)
(extends_clause value: (identifier) @ref)
(type_identifier) @ref
(member_expression object: (identifier) @ref)

; Names a run of top-level lines defines (@def; only module runs take them): top-level
; variables, exported or not.
(program (lexical_declaration (variable_declarator name: (identifier) @def)))
(program (variable_declaration (variable_declarator name: (identifier) @def)))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @def))))
(program (export_statement (variable_declaration (variable_declarator name: (identifier) @def))))
(type_alias_declaration name: (type_identifier) @def)
