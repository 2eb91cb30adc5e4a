; inherits: ecma
; Names a TypeScript slice refers to: calls, constructed classes, base classes and every type
; it names (annotations, generic arguments, implemented interfaces, casts); calls,
; constructions and member reads come from ecma.scm.
; Written for context_kit; @ref captures (names used) and @def captures (below, and
; ecma.scm's top-level variables).
(extends_clause value: (identifier) @ref)
(type_identifier) @ref

; Names a run of top-level lines defines (@def; only module runs take them): type aliases.
(type_alias_declaration name: (type_identifier) @def)

; Names a class body declares (@member; only class spans take them, qualified by the class):
; fields, interface properties and enum members.
(public_field_definition name: (property_identifier) @member)
(property_signature name: (property_identifier) @member)
(enum_body name: (property_identifier) @member)
(enum_assignment name: (property_identifier) @member)
