// Brightness of a colour.
float luma(vec3 c) {
    return dot(c, vec3(0.299, 0.587, 0.114));
}

void main() {
    gl_FragColor = vec4(luma(vec3(1.0)));
}
