; inherits: ecma, typed
; Names a TSX slice refers to: what a TypeScript slice does (ecma.scm, typed.scm) and the
; JSX elements it renders. Written for context_kit; @ref captures (names used).
(jsx_opening_element name: (identifier) @ref)
(jsx_self_closing_element name: (identifier) @ref)
