; Names a Swift slice refers to: called functions, navigated members and the types it
; mentions. Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression (simple_identifier) @ref)
(navigation_suffix suffix: (simple_identifier) @ref)
(user_type (type_identifier) @ref)

; Names a run of top-level lines defines (@def; only module runs take them): top-level
; ``let`` and ``var``.
(source_file (property_declaration name: (pattern bound_identifier: (simple_identifier) @def)))
; A tuple's names, one level deep: ``let (host, port) = split(url)``.
(source_file (property_declaration name: (pattern (pattern (simple_identifier) @def))))

; Names a class body declares (@member; only class spans take them, qualified by the class):
; properties and enum cases.
(class_body (property_declaration name: (pattern bound_identifier: (simple_identifier) @member)))
(enum_entry name: (simple_identifier) @member)
