; What the TypeScript and TSX queries share beyond ecma.scm (each includes this file with an
; "; inherits: ecma, typed" line). Written for context_kit.

; @ref: base classes and every type named (annotations, generic arguments, implemented
; interfaces, casts).
(extends_clause value: (identifier) @ref)
(type_identifier) @ref

; @def (only module runs take them): type aliases.
(type_alias_declaration name: (type_identifier) @def)

; @member (only class spans take them, qualified by the class): fields, interface
; properties and enum members.
(public_field_definition name: (property_identifier) @member)
(property_signature name: (property_identifier) @member)
(enum_body name: (property_identifier) @member)
(enum_assignment name: (property_identifier) @member)
