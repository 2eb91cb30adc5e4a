; Names a C slice refers to: called functions, accessed fields and the types it uses.
; Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression function: (identifier) @ref)
(call_expression function: (field_expression field: (field_identifier) @ref))
(type_identifier) @ref
(struct_specifier name: (type_identifier) @ref)

; Names a run of top-level lines defines (@def; only module runs take them): macros.
(preproc_def name: (identifier) @def)
(preproc_function_def name: (identifier) @def)

; Names a class body declares (@member; only class spans take them, qualified by the class):
; struct and union fields (plain, pointer and array) and enum constants.
(field_declaration declarator: (field_identifier) @member)
(field_declaration declarator: (pointer_declarator declarator: (field_identifier) @member))
(field_declaration declarator: (array_declarator declarator: (field_identifier) @member))
(enumerator name: (identifier) @member)
