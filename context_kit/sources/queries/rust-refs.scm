; Names a Rust slice refers to: called functions, methods and macros, paths and every
; type it names (parameters, return types, fields, generic arguments, traits).
; Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression function: (identifier) @ref)
(call_expression function: (scoped_identifier name: (identifier) @ref))
(call_expression function: (field_expression field: (field_identifier) @ref))
(macro_invocation macro: (identifier) @ref)
(scoped_identifier path: (identifier) @ref)
(type_identifier) @ref

; Names a run of top-level lines defines (@def; only module runs take them): constants,
; statics, type aliases and macros.
(const_item name: (identifier) @def)
(static_item name: (identifier) @def)
(type_item name: (type_identifier) @def)
(macro_definition name: (identifier) @def)

; Names a class body declares (@member; only class spans take them, qualified by the class):
; struct and variant fields, enum variants and associated constants.
(field_declaration name: (field_identifier) @member)
(enum_variant name: (identifier) @member)
(impl_item body: (declaration_list (const_item name: (identifier) @member)))
