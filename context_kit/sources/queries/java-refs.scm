; Names a Java slice refers to: invoked methods, annotations and every type it names
; (supertypes, fields, parameters, return and thrown types, generic arguments, casts).
; Written for context_kit; @ref captures only.
(method_invocation name: (identifier) @ref)
(method_invocation object: (identifier) @ref)
(type_identifier) @ref
(marker_annotation name: (identifier) @ref)
(annotation name: (identifier) @ref)
