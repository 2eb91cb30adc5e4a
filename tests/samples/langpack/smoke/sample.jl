module Geo

export dist

"""
    dist(a, b)

Euclidean distance.
"""
function dist(a, b)
    return sqrt(sum((a .- b) .^ 2))
end

struct Point
    x::Float64
    y::Float64
end

norm2(p::Point) = p.x^2 + p.y^2

end # module
