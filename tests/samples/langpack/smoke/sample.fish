# Greet someone.
function greet
    echo "hello $argv"
end
