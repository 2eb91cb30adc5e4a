; Names a JavaScript slice refers to: called functions and methods, constructed classes,
; base classes and member reads. Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression function: (identifier) @ref)
(call_expression function: (member_expression property: (property_identifier) @ref))
(new_expression constructor: (identifier) @ref)
(class_heritage (identifier) @ref)
(member_expression object: (identifier) @ref)

; Names a run of top-level lines defines (@def; only module runs take them): top-level
; variables, exported or not.
(program (lexical_declaration (variable_declarator name: (identifier) @def)))
(program (variable_declaration (variable_declarator name: (identifier) @def)))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @def))))
(program (export_statement (variable_declaration (variable_declarator name: (identifier) @def))))
