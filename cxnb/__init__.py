"""cxnb — a customer-experience methodology kit.

What a notebook needs is importable from here; everything else lives in its module.
"""

from cxnb.bundle import Bundle, load_bundle
from cxnb.config import ClientConfig, load_config
from cxnb.errors import ConfigError, CxnbError, FitError, SampleError, SchemaError, SourceError
from cxnb.samples import load_sample, sample_config, sample_names, sample_truth
from cxnb.step import Step, setup

__all__ = [
    "Bundle",
    "ClientConfig",
    "ConfigError",
    "CxnbError",
    "FitError",
    "SampleError",
    "SchemaError",
    "SourceError",
    "Step",
    "load_bundle",
    "load_config",
    "load_sample",
    "sample_config",
    "sample_names",
    "sample_truth",
    "setup",
]

__version__ = "0.1.0"
