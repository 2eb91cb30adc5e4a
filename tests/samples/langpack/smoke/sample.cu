// Add vectors.
__global__ void add(float *a, float *b) {
    int i = threadIdx.x;
    a[i] += b[i];
}
