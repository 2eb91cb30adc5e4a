; Names a Swift slice refers to: called functions, navigated members and the types it
; mentions. Written for context_kit; @ref captures only.
(call_expression (simple_identifier) @ref)
(navigation_suffix suffix: (simple_identifier) @ref)
(user_type (type_identifier) @ref)
