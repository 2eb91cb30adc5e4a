; Names a Go slice refers to: called functions and methods, package-qualified names and
; every type it names (receivers, parameters, results, fields, literals, conversions).
; Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression function: (identifier) @ref)
(call_expression function: (selector_expression field: (field_identifier) @ref))
(selector_expression operand: (identifier) @ref)
(type_identifier) @ref

; Names a run of top-level lines defines (@def; only module runs take them): constants,
; variables and types that are not containers.
(source_file (const_declaration (const_spec name: (identifier) @def)))
(source_file (var_declaration (var_spec name: (identifier) @def)))
; A parenthesised group of vars (``var ( a = 1; b = 2 )``) sits in a list of its own.
(source_file (var_declaration (var_spec_list (var_spec name: (identifier) @def))))
(source_file (type_declaration (type_spec name: (type_identifier) @def)))
(source_file (type_declaration (type_alias name: (type_identifier) @def)))

; Names a class body declares (@member; only class spans take them, qualified by the class):
; struct fields and interface methods.
(field_declaration name: (field_identifier) @member)
(method_elem name: (field_identifier) @member)
