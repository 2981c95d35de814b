"""LianCha 联查: offline desk for 双随机、一公开 random inspections and 一业一查 joint inspections."""

__version__ = "0.1.0"
