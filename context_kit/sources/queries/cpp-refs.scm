; inherits: c_family
; Names a C++ slice refers to: called functions and methods, qualified names, base classes
; and the types it uses (calls, field reads, types, macros, fields and enum constants come
; from c_family.scm). Written for context_kit; @ref captures (names used) and @def captures
; (below).
(call_expression function: (qualified_identifier name: (identifier) @ref))
(qualified_identifier scope: (namespace_identifier) @ref)
(base_class_clause (type_identifier) @ref)

; Names a run of top-level lines defines (@def; only module runs take them): type aliases.
(alias_declaration name: (type_identifier) @def)
