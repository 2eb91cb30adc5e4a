; Names a Kotlin slice refers to: called functions, navigated members and the types it
; mentions. Written for context_kit; @ref captures only.
(call_expression (identifier) @ref)
(navigation_expression (identifier) @ref)
(user_type (identifier) @ref)
