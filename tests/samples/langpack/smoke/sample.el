;;; Helpers.
(defun my-add (a b)
  "Add A and B."
  (+ a b))

(defmacro my-when (c &rest body)
  `(if ,c (progn ,@body)))
