using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxDiffusion.Core.Errors;
using OnnxDiffusion.Core.Tensors;

namespace OnnxDiffusion.Runtime.Components;

/// <summary>Conversions between <see cref="FloatTensor"/> and ORT values of float32 / float16 element type.</summary>
public static class OrtTensors
{
    /// <summary>Creates an ORT value of <paramref name="elementType"/> (Float or Float16) holding <paramref name="tensor"/>.</summary>
    /// <remarks>For Float the value wraps (pins) the tensor's array: keep the tensor alive while the value lives.</remarks>
    public static OrtValue FromFloat(FloatTensor tensor, TensorElementType elementType)
    {
        long[] shape = Array.ConvertAll(tensor.Shape, d => (long)d);
        switch (elementType)
        {
            case TensorElementType.Float:
                return OrtValue.CreateTensorValueFromMemory(tensor.Data, shape);
            case TensorElementType.Float16:
                var half = new Float16[tensor.Length];
                TensorPrimitives.ConvertToHalf(tensor.Data, MemoryMarshal.Cast<Float16, Half>(half.AsSpan()));
                return OrtValue.CreateTensorValueFromMemory(half, shape);
            default:
                throw new RuntimeFailureException(
                    $"Model input of element type {elementType} cannot take float data; expected float or float16.");
        }
    }

    /// <summary>Copies a float32 or float16 ORT tensor into a new <see cref="FloatTensor"/>.</summary>
    public static FloatTensor ToFloat(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        int[] shape = Array.ConvertAll(info.Shape, d => checked((int)d));
        var result = new FloatTensor(shape);
        switch (info.ElementDataType)
        {
            case TensorElementType.Float:
                value.GetTensorDataAsSpan<float>().CopyTo(result.Data);
                break;
            case TensorElementType.Float16:
                TensorPrimitives.ConvertToSingle(
                    MemoryMarshal.Cast<Float16, Half>(value.GetTensorDataAsSpan<Float16>()), result.Data);
                break;
            default:
                throw new RuntimeFailureException(
                    $"Model output of element type {info.ElementDataType} is not float or float16.");
        }

        return result;
    }

    /// <summary>The declared element type of an input or output.</summary>
    public static TensorElementType ElementType(NodeMetadata metadata) => metadata.ElementDataType;
}
