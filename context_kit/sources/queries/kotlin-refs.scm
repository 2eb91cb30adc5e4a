; Names a Kotlin slice refers to: called functions, navigated members and the types it
; mentions. Written for context_kit; @ref captures (names used) and @def captures (below).
(call_expression (identifier) @ref)
(navigation_expression (identifier) @ref)
(user_type (identifier) @ref)

; Names a run of top-level lines defines (@def; only module runs take them): top-level
; properties (``const val MAX = 3``, ``val logger = ...``).
(source_file (property_declaration (variable_declaration (identifier) @def)))
