; Names a Kotlin slice refers to: called functions, navigated members and the types it
; mentions. Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression (identifier) @ref)
(navigation_expression (identifier) @ref)
(user_type (identifier) @ref)

; Names a run of top-level lines defines (@def; only module runs take them): top-level
; properties (``const val MAX = 3``, ``val logger = ...``).
(source_file (property_declaration (variable_declaration (identifier) @def)))

; Names a class body declares (@member; only class spans take them, qualified by the class):
; properties (constructor parameters with val or var too) and enum entries.
(class_body (property_declaration (variable_declaration (identifier) @member)))
(enum_entry (identifier) @member)
(class_parameter ["val" "var"] (identifier) @member)
