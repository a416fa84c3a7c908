// Tests run up to two forks at once on 2 cores: one BLAS thread per fork avoids oversubscription.
process.env.OPENBLAS_NUM_THREADS ??= '1';
