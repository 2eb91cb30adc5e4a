; Names a Rust slice refers to: called functions, methods and macros, paths and every
; type it names (parameters, return types, fields, generic arguments, traits).
; Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression function: (identifier) @ref)
(call_expression function: (scoped_identifier name: (identifier) @ref))
(call_expression function: (field_expression field: (field_identifier) @ref))
(macro_invocation macro: (identifier) @ref)
(macro_invocation macro: (scoped_identifier name: (identifier) @ref))
(scoped_identifier path: (identifier) @ref)
(type_identifier) @ref
; A macro's arguments (assert_eq!(parse(x), Foo::new(1)), vec![..], select! {..}) are
; tokens, not expressions: there a name right before a bracketed group reads as a call
; and a capitalised name as a type, variant or constant. Lower-case names alone are
; mostly locals, so they are left out.
(token_tree (identifier) @ref . (token_tree))
((token_tree (identifier) @ref) (#match? @ref "^[A-Z]"))

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
