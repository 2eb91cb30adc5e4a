; inherits: c_family
; Names a C slice refers to: called functions, accessed fields and the types it uses (from
; c_family.scm, with the macros it defines and the fields and constants it declares) and
; the structs it names. Written for context_kit; @ref captures (names used).
(struct_specifier name: (type_identifier) @ref)
