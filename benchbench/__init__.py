"""benchbench: compare GAN families under the same budget, honestly."""

__version__ = "0.3.0"
