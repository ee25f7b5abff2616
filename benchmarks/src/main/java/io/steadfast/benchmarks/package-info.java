/**
 * End-to-end benchmarks of Steadfast against baselines and peers, run by {@code benchmarks/run.sh};
 * not an API and never published.
 */
@NullMarked
package io.steadfast.benchmarks;

import org.jspecify.annotations.NullMarked;
