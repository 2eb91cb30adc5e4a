" Greet someone.
function! Greet(name) abort
  echo 'hello ' . a:name
endfunction
