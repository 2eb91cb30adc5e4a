// Luma.
float luma(float3 c) {
    return dot(c, float3(0.299, 0.587, 0.114));
}

struct VSOut {
    float4 pos : SV_POSITION;
};
