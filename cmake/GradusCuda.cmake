# CUDA kernels: filled in by the CUDA backend.
